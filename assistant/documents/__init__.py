"""Documents: loaders that turn files into text with offsets, chunking, ingest into the index, upload rules."""
