// Package flinkconf turns a Flink configuration directory and -D overrides
// into the typed, validated options the schedulers run on, reporting every
// bad key at once.
//
// # Loading
//
// Load reads DIR/config.yaml if it exists, else DIR/flink-conf.yaml (Flink 2
// reads only the former, Flink 1.19 and 1.20 prefer it), then applies -D
// overrides in order. The result is a Config: Flink's flat key -> string map
// plus the source of every value ("flink-conf.yaml:12", "config.yaml:3",
// "-D").
//
// flink-conf.yaml, byte by byte, as Flink 1.13's
// GlobalConfiguration.loadYAMLResource reads it:
//
//   - The file is split into lines at "\n", "\r\n" or "\r"; a last line
//     without a terminator counts.
//   - Everything from the first "#" on a line is a comment; there is no
//     quoting, so a value cannot contain "#".
//   - The rest is trimmed of characters <= ' ' (Java's String.trim); an
//     empty result is skipped.
//   - The first ": " (colon, space) splits key from value; both are
//     trimmed. A line without ": ", or with an empty key or value, is
//     skipped with a warning (Flink logs one too), except that "key:value"
//     for a key this package reads is an error.
//   - A later line for the same key wins (with a warning).
//
// config.yaml is standard YAML (parsed with go.yaml.in/yaml/v3) read with the
// rules of Flink 1.19+'s GlobalConfiguration and YamlParserUtils: exactly one
// document, whose root is a map (or empty); nested maps flatten to keys
// joined with "."; a list becomes its YAML flow form ("[a, 'b c', 1]"), the
// string Flink stores; quoted and block scalars keep their text; plain
// scalars follow YAML 1.1 as SnakeYAML resolves them (booleans become
// "true"/"false", integers in any base become decimal, floats print as
// Java's Double.toString). A key without a value, a duplicate key, the same
// flat key reached twice, and non-scalar keys are errors.
//
// # Options
//
// Config.Options parses every key of Flink 1.13's Mesos module, the Flink
// keys the schedulers need and the keys this project adds (see Reference and
// the Configuration section of README.md), and returns Options or a *ValidationError listing
// one *KeyError per problem: the key, the value (secrets redacted), where it
// was set, and what is allowed. Its ExitCode method returns 2. Unknown
// mesos.* keys are errors with the closest known key suggested; other
// unknown keys belong to Flink and are kept.
//
// Config.PassThrough is what the Flink processes get: every key except the
// mesos.* ones, values untouched.
//
// WriteFlinkConf and WriteConfigYAML write a flat map back in either format
// so that Load reads exactly that map again.
package flinkconf
