// Package doccheck holds tests of the repository's documentation: they read README.md,
// CHANGELOG.md, templates/ and examples/ and fail when those disagree. It has no code of its own.
package doccheck
