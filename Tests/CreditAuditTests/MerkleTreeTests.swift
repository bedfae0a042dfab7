import CreditAudit
import Crypto
import Foundation
import Testing

@Suite("Merkle tree (RFC 6962): roots, audit paths, and their check")
struct MerkleTreeTests {
    private func leaves(_ count: Int) -> [Data] {
        (0..<count).map { MerkleTree.leafHash(Data(SHA256.hash(data: Data("row \($0)".utf8)))) }
    }

    @Test("every leaf's audit path leads to the root, for every tree size up to 40; a wrong leaf or index does not")
    func pathsLeadToRoot() {
        for size in 1...40 {
            let tree = leaves(size)
            let root = MerkleTree.root(tree[...])
            for index in 0..<size {
                let path = MerkleTree.inclusionPath(index: index, tree[...])
                #expect(MerkleTree.root(fromLeaf: tree[index], index: index, size: size, path: path) == root, "size \(size) index \(index)")
                let other = tree[(index + 1) % size]
                if size > 1 { #expect(MerkleTree.root(fromLeaf: other, index: index, size: size, path: path) != root) }
                if size > 1 { #expect(MerkleTree.root(fromLeaf: tree[index], index: (index + 1) % size, size: size, path: path) != root) }
                // A path longer than the tree size allows is refused.
                if size > 1 { #expect(MerkleTree.root(fromLeaf: tree[index], index: 0, size: 1, path: path) == nil) }
            }
        }
    }

    @Test("the root of 0, 1, 2 and 3 leaves is RFC 6962's: empty hash, the leaf, H(1|a|b), H(1|H(1|a|b)|c)")
    func rootsByDefinition() {
        func node(_ a: Data, _ b: Data) -> Data { Data(SHA256.hash(data: Data([1]) + a + b)) }
        let tree = leaves(3)
        #expect(MerkleTree.root([Data]()[...]) == Data(SHA256.hash(data: Data())))
        #expect(MerkleTree.root(tree[..<1]) == tree[0])
        #expect(MerkleTree.root(tree[..<2]) == node(tree[0], tree[1]))
        #expect(MerkleTree.root(tree[...]) == node(node(tree[0], tree[1]), tree[2]))
        #expect(MerkleTree.leafHash(Data([7])) == Data(SHA256.hash(data: Data([0, 7]))))
    }
}
