"""One module per family of document formats; `assistant.documents.loaders` picks one by the file's suffix."""
