"""Checks a decision's inclusion proof from `credit audit prove` (RFC 6962 / RFC 9162 §2.1.3.2),
with nothing but the standard library: the independent check an auditor runs.

usage: credit audit prove ... | python3 verify_inclusion.py TRUSTED_ROOT_HEX
Prints "ok" when the row is in the tree whose root is TRUSTED_ROOT_HEX, else "mismatch" (exit 1).
"""
import hashlib
import json
import sys

proof, trusted = json.load(sys.stdin), sys.argv[1]
h = lambda data: hashlib.sha256(data).digest()
r = h(b"\x00" + bytes.fromhex(proof["row_hash"]))
fn, sn = proof["leaf_index"], proof["tree_size"] - 1
for node in map(bytes.fromhex, proof["audit_path"]):
    if sn == 0:
        break
    if fn & 1 or fn == sn:
        r = h(b"\x01" + node + r)
        while not fn & 1 and fn:
            fn, sn = fn >> 1, sn >> 1
    else:
        r = h(b"\x01" + r + node)
    fn, sn = fn >> 1, sn >> 1
ok = sn == 0 and r.hex() == trusted
print("ok" if ok else "mismatch")
sys.exit(0 if ok else 1)
