"""The bottom layer: Settings, the error tree, plain data and the text rules; imports nothing else from assistant."""
