// Package wire decodes scheduler calls and encodes scheduler events the way
// the Mesos master does, in both of its media types.
//
// # Media types
//
// A request body is application/x-protobuf or application/json, chosen by an
// exact, case-sensitive compare of the Content-Type header (so
// "application/json; charset=utf-8" is neither). Events on a subscription
// stream use the type negotiated from the SUBSCRIBE request's Accept header.
//
// # Protobuf
//
// A protobuf body must parse and carry every proto2 required field, as C++
// ParseFromString demands. An enum field holding a number its enum does not
// declare is treated as unset, because Mesos' proto2 enums are closed: the C++
// runtime moves such a value into the unknown fields (so an unknown Call.type
// reads as "type not present", and an unknown value in a required enum makes
// the message incomplete).
//
// # JSON input (stout's picojson parser and protobuf.hpp converter)
//
// Syntax follows picojson 1.3.0 as Mesos patches it: whitespace is space, tab,
// CR and LF; nesting deeper than 200 arrays/objects fails; a number starts
// with '-' or a digit and takes every following byte of "0123456789+-.eE",
// is an int64 when it reads as one and a double otherwise, and a double that
// overflows fails the whole parse with "Value out of range"; raw bytes below
// 0x20 inside a string are an error, bytes from 0x80 pass through unchecked;
// duplicate object keys keep the last value. A syntax error reads
// "syntax error at line N near: REST", REST being the rest of that line from
// where parsing stopped. Anything but whitespace after the value fails with
// "Parsed JSON included non-whitespace trailing characters: REST".
//
// Conversion to a message walks object keys in byte order (std::map) and
// looks each key up by its proto field name: unknown keys, including
// lowerCamelCase JSON names, are ignored. null leaves a field unset. An array
// is only allowed for a repeated field (nested arrays flatten into it); a
// single value for a repeated field adds one element. Enums must be strings
// naming a value; an unknown name is dropped for an optional field and is the
// error "Failed to find enum for 'NAME'" for a required one. Numeric fields
// take JSON numbers or strings holding a JSON number; double and float also
// take "Infinity" and "-Infinity". bool takes true/false or "true"/"false".
// bytes take standard base64 with whitespace skipped, decoding stopping at
// the first '=' and any other byte outside the alphabet failing with
// "Invalid character 'C'". Maps are objects keyed by the map key. After
// conversion, missing required fields fail with "Missing required fields: "
// and their paths ("subscribe.framework_info.user, ...", repeated elements as
// "name[i].") in the order C++ InitializationErrorString lists them.
//
// # JSON output (stout jsonify over rapidjson)
//
// Compact, keys are proto field names in declaration order. A singular field
// is written when set, or when it has an explicit [default = ...] and is not
// deprecated; a repeated field when it has elements; a map as an object.
// Integers of every width are JSON numbers. Doubles use the shortest
// round-trip digits in rapidjson's layout: "15.0" for integral values,
// "0.001", "1e21", "1.5e-7", and the bare tokens Infinity, -Infinity and NaN.
// Strings escape '"', '\\' and bytes below 0x20 (as \b \t \n \f \r or
// \u00XX) and nothing else. bytes are standard base64 with '=' padding;
// enums are their value names.
package wire
