"""Tree area planning: species and measures, the planner, planting records (issue 10)."""
