"""History that persists: every call in a SQLite file of the data dir, for later kernels.

``store`` (the file), ``where`` (notebook and cell), ``entries`` (a call as a row),
``recorder`` (writing off the hot path), ``hooks`` (what the call path calls), ``queries``
(listing, searching, sums, threads), ``frame`` (the DataFrame form), ``chart`` (usage by day).
Nothing heavy is imported here: the call path imports ``hooks`` on every answer.
"""
