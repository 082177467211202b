"""One package per question type; importing a package registers its facets."""
