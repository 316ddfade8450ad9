"""The verifiable log (透明日志): per community, an RFC 9162 Merkle log of material facts."""
