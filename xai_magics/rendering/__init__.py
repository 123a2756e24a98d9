"""The pieces ``xai_magics.render`` is made of: URL allow-list, invisible characters, TeX links,
and the defanged ``text/markdown`` copy. ``xai_magics.render`` is the one public entry point."""
