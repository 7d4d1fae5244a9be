#!/bin/sh
# t_subgraph.t: kag-subgraph against a reference BFS (tests/subgraph/check.py).
exec python3 "$(dirname "$0")/subgraph/check.py"
