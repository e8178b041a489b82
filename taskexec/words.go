package taskexec

import (
	"errors"
	"strings"
)

// SplitCommand splits a command line into words the way /bin/sh would for
// the forms configuration values use: blanks separate words, single quotes
// keep everything literally, double quotes keep blanks and honour \" \\ \$
// and \`, a backslash outside quotes escapes the next character, and $NAME
// or ${NAME} outside single quotes is replaced by expand(NAME) (nil expand
// leaves them as written). There is no globbing and no command substitution.
func SplitCommand(s string, expand func(string) string) ([]string, error) {
	rs := []rune(s)
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		quote   rune // 0, '\'' or '"'
		escaped bool
	)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '$' && !escaped && quote != '\'' && expand != nil {
			if name, n := varName(rs[i+1:]); n > 0 {
				cur.WriteString(expand(name))
				inWord = true
				i += n
				continue
			}
		}
		switch {
		case escaped:
			if quote == '"' && !strings.ContainsRune("\"\\$`", r) {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped = true
			default:
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if escaped {
		return nil, errors.New("ends with a lone backslash")
	}
	if quote != 0 {
		return nil, errors.New("has an unterminated " + string(quote) + " quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// varName reads NAME or {NAME} after a '$' and returns it with the number of
// runes it took; 0 when there is no variable name.
func varName(rs []rune) (string, int) {
	isName := func(r rune, first bool) bool {
		return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (!first && r >= '0' && r <= '9')
	}
	if len(rs) > 0 && rs[0] == '{' {
		for j := 1; j < len(rs); j++ {
			if rs[j] == '}' {
				if j == 1 {
					return "", 0
				}
				return string(rs[1:j]), j + 1
			}
			if !isName(rs[j], j == 1) {
				return "", 0
			}
		}
		return "", 0
	}
	j := 0
	for j < len(rs) && isName(rs[j], j == 0) {
		j++
	}
	return string(rs[:j]), j
}
