"""Training: the config, the four lazy-regularisation phases, losses, EMA, precision, the loop and its run folders."""
