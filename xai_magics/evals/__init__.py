"""``%grok_eval``: exploratory evals in a notebook (variants, graders, honest statistics)."""
