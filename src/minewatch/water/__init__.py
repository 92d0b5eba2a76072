"""Land and water pollution: sampling points, samples and results, guideline screening, the CCME WQI, trends."""
