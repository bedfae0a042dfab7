public import FoundationEssentials
import Crypto

/// The Merkle tree of RFC 6962 §2.1 (Certificate Transparency) over a chain's row hashes, so an
/// auditor can check that one decision is in the trail with a logarithmic proof instead of every
/// row: leaf hash `SHA-256(0x00 ‖ row hash)`, node hash `SHA-256(0x01 ‖ left ‖ right)`, the tree
/// of n leaves split at the largest power of two below n.
public enum MerkleTree {
    /// The leaf hash of a row hash (its 32 bytes).
    public static func leafHash(_ rowHash: some DataProtocol) -> Data {
        var bytes = Data([0x00])
        bytes.append(contentsOf: rowHash)
        return Data(SHA256.hash(data: bytes))
    }

    static func nodeHash(_ left: Data, _ right: Data) -> Data {
        var bytes = Data([0x01])
        bytes.append(left)
        bytes.append(right)
        return Data(SHA256.hash(data: bytes))
    }

    /// The largest power of two below `count` (count ≥ 2).
    private static func split(_ count: Int) -> Int {
        var k = 1
        while k << 1 < count { k <<= 1 }
        return k
    }

    /// The root (Merkle Tree Hash) of `leaves` (leaf hashes); the hash of no bytes for none.
    public static func root(_ leaves: ArraySlice<Data>) -> Data {
        switch leaves.count {
        case 0: return Data(SHA256.hash(data: Data()))
        case 1: return leaves[leaves.startIndex]
        default:
            let k = split(leaves.count)
            return nodeHash(root(leaves.prefix(k)), root(leaves.dropFirst(k)))
        }
    }

    /// The audit path of leaf `index` in the tree of `leaves` (RFC 6962 §2.1.1), nearest the leaf
    /// first.
    public static func inclusionPath(index: Int, _ leaves: ArraySlice<Data>) -> [Data] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        if index < k { return inclusionPath(index: index, leaves.prefix(k)) + [root(leaves.dropFirst(k))] }
        return inclusionPath(index: index - k, leaves.dropFirst(k)) + [root(leaves.prefix(k))]
    }

    /// The root that `path` leads to from `leaf` at `index` in a tree of `size` leaves (RFC 9162
    /// §2.1.3.2): equal to the trusted root when the leaf is in that tree.
    public static func root(fromLeaf leaf: Data, index: Int, size: Int, path: [Data]) -> Data? {
        guard index >= 0, index < size else { return nil }
        var (fn, sn, result) = (index, size - 1, leaf)
        for node in path {
            guard sn != 0 else { return nil }
            if fn & 1 == 1 || fn == sn {
                result = nodeHash(node, result)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                result = nodeHash(result, node)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? result : nil
    }
}
