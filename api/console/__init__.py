"""The consoles of signed-in people: manufacturers (home), certifiers (review), administrators (admin)."""
