"""Understanding a message: the custom NLU components config.yml names, and the matchers they use."""
