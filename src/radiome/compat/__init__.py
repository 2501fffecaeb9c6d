"""Compatibility modes that reproduce other radiomics toolkits' definitions and processing."""
