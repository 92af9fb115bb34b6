"""The rules: records as frozen values and what follows from them.

`models` (the record kinds), `derive` (totals, ranks, the red and black lists, indexes),
`privacy` and `checksums` (personal numbers, check characters). Pure: no I/O, no caches, no
clock (`today` is a parameter); nothing here imports another layer of the package.
"""
