"""Audio in: PCM helpers, codecs and the sources that produce call audio."""
