"""Storage: Chroma (vectors), the lexical BM25 index, its mirror of a server, the sync lock and the manifest."""
