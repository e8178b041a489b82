package localmesos

import (
	"errors"
	"strconv"
	"strings"
)

// validateRole checks a role name as src/common/roles.cpp validate does and
// returns its error text.
func validateRole(role string) error {
	if role == "*" {
		return nil
	}
	if strings.HasPrefix(role, "/") {
		return errors.New("Role '" + role + "' cannot start with a slash")
	}
	if strings.HasSuffix(role, "/") {
		return errors.New("Role '" + role + "' cannot end with a slash")
	}
	if strings.Contains(role, "//") {
		return errors.New("Role '" + role + "' cannot contain two adjacent slashes")
	}
	components := tokenize(role, "/")
	if len(components) == 0 {
		return errors.New("Role names cannot be the empty string")
	}
	for _, c := range components {
		switch {
		case c == ".":
			return errors.New("Role '" + role + "' cannot include '.' as a component")
		case c == "..":
			return errors.New("Role '" + role + "' cannot include '..' as a component")
		case c == "*":
			return errors.New("Role '" + role + "' cannot include '*' as a component")
		case strings.HasPrefix(c, "-"):
			return errors.New("Role component '" + c + "' is invalid because it starts with a dash")
		case strings.ContainsAny(c, "\t\n\v\f\r \x7f"):
			return errors.New("Role component '" + c + "' is invalid because it contains backspace or whitespace")
		}
	}
	return nil
}

// isStrictSubrole reports whether child is a proper descendant of parent in
// the role hierarchy ("a/b" of "a"; everything of "*" except "*").
func isStrictSubrole(child, parent string) bool {
	if parent == "*" {
		return child != "*"
	}
	return strings.HasPrefix(child, parent+"/")
}

// validateID checks a task or framework ID as src/common/validation.cpp
// validateID does.
func validateID(id string) error {
	if id == "" {
		return errors.New("ID must not be empty")
	}
	if len(id) > 255 {
		return errors.New("ID must not be greater than 255 characters")
	}
	if id == "." || id == ".." {
		return errors.New("'" + id + "' is disallowed")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c == 0x7f || c == '/' || c == '\\' {
			return errors.New("'" + id + "' contains invalid characters")
		}
	}
	return nil
}

// tokenize splits s at any byte of delims and drops empty tokens, like
// stout's strings::tokenize.
func tokenize(s, delims string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) })
}

// stringifySet renders a sorted set the way stout's stringify(std::set)
// does: "{ a, b }".
func stringifySet(items []string) string {
	return "{ " + strings.Join(items, ", ") + " }"
}

// formatCxxDouble prints a double as a C++ ostream does with its default
// precision of 6 significant digits (%g).
func formatCxxDouble(f float64) string {
	s := strconv.FormatFloat(f, 'g', 6, 64)
	switch s {
	case "+Inf":
		return "inf"
	case "-Inf":
		return "-inf"
	case "NaN":
		return "nan"
	}
	return s
}
