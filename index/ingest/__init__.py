"""Reading articles: discovery, formats, decoding, cleaning, metadata, chunking, watching."""
