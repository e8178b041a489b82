package wire

import (
	"encoding/base64"
	"errors"
)

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

var base64Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base64Alphabet); i++ {
		t[base64Alphabet[i]] = int8(i)
	}
	return t
}()

// Base64Decode decodes standard base64 the lenient way stout's
// base64::decode does: whitespace (C isspace) is skipped, decoding stops at
// the first '=', a trailing partial group yields the bytes it completes, and
// any other byte outside the alphabet is "Invalid character 'C'" (so the
// URL-safe '-' and '_' are refused).
func Base64Decode(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)*3/4)
	var group [4]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			break
		}
		switch c {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			continue
		}
		idx := base64Index[c]
		if idx < 0 {
			return nil, errors.New("Invalid character '" + string([]byte{c}) + "'")
		}
		group[n] = byte(idx)
		n++
		if n == 4 {
			out = append(out, group[0]<<2|group[1]>>4, group[1]<<4|group[2]>>2, group[2]<<6|group[3])
			n = 0
		}
	}
	switch n {
	case 2:
		out = append(out, group[0]<<2|group[1]>>4)
	case 3:
		out = append(out, group[0]<<2|group[1]>>4, group[1]<<4|group[2]>>2)
	}
	return out, nil
}

// base64Encode is standard base64 with padding, as stout's base64::encode.
func base64Encode(dst, b []byte) []byte {
	return base64.StdEncoding.AppendEncode(dst, b)
}
