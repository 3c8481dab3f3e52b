"""Issue 15: the artifacts a user installs (the wheel, the sdist), built from a pristine clone."""
