// Package plugins holds end-to-end tests of connector plugins as separate
// processes: a source plugin and a sink plugin SIGKILLed mid-stream (the
// runtime restarts them from the committed offsets; every record arrives,
// duplicates only from the uncommitted window, counted and reported), and
// a third-party connector built in its own module against the public SDK
// (test/thirdparty), found on plugin.path.
package plugins
