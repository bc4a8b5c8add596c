"""Generators: turn an assay schema into other schema languages, DDL and code."""
