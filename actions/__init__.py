"""Rights Companion action server: answers, support finder, request checker and safety, one module each."""
