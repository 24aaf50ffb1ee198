// Package properties reads Java .properties files, the format Kafka Connect
// worker and connector configs are written in, with java.util.Properties'
// rules:
//
//   - A line whose first non-blank character is '#' or '!' is a comment;
//     blank lines are skipped. Blanks are space, tab and form feed.
//   - A line ending in an odd number of backslashes continues on the next
//     line; the backslash, the line break and the next line's leading blanks
//     are dropped. Comment lines never continue.
//   - The key runs to the first unescaped '=', ':' or blank. Blanks around
//     the separator are skipped, then one '=' or ':' if the separator was a
//     blank; the rest of the line, trailing blanks included, is the value.
//   - Escapes: \t \n \r \f and \uXXXX; a backslash before any other
//     character stands for that character ("\=" is "=", "\\" is "\").
//     A malformed \u escape is an error (Java throws too).
//
// A key given twice keeps its last value, as Java's Properties.load does;
// Parse still returns both with their line numbers.
package properties
