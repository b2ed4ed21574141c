"""Studies beyond single tables: the noise study of issue 9 (Algorithm 1's eta)."""
