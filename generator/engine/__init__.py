"""How a site is built fast and safely: the edit loop, memo, cache, child processes, worker
pools, dependency recording and atomic writes.
"""
