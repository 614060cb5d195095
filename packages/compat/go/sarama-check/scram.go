package main

// A SCRAM client (RFC 5802) for sarama's Net.SASL.SCRAMClientGeneratorFunc: sarama 1.22 leaves the exchange to the
// application, and Debian ships no SCRAM library, so this is the standard library's HMAC with a PBKDF2 loop.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

type scramClient struct {
	newHash         func() hash.Hash
	user, password  string
	clientFirstBare string
	serverSignature []byte
	step            int
	done            bool
}

func newScramClient(mechanism string) func() *scramClient {
	h := sha256.New
	if mechanism == "SCRAM-SHA-512" {
		h = sha512.New
	}
	return func() *scramClient { return &scramClient{newHash: h} }
}

func (c *scramClient) Begin(user, password, _ string) error {
	c.user, c.password = user, password
	return nil
}

func (c *scramClient) Done() bool { return c.done }

func (c *scramClient) mac(key []byte, msg string) []byte {
	m := hmac.New(c.newHash, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// pbkdf2 with one output block: SCRAM's Hi(password, salt, i).
func (c *scramClient) hi(salt []byte, iterations int) []byte {
	m := hmac.New(c.newHash, []byte(c.password))
	m.Write(salt)
	m.Write([]byte{0, 0, 0, 1})
	u := m.Sum(nil)
	out := append([]byte(nil), u...)
	for i := 1; i < iterations; i++ {
		m.Reset()
		m.Write(u)
		u = m.Sum(nil)
		for j := range out {
			out[j] ^= u[j]
		}
	}
	return out
}

func attributes(msg string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(msg, ",") {
		if len(part) > 2 && part[1] == '=' {
			out[part[:1]] = part[2:]
		}
	}
	return out
}

func (c *scramClient) Step(challenge string) (string, error) {
	switch c.step {
	case 0:
		raw := make([]byte, 18)
		if _, err := rand.Read(raw); err != nil {
			return "", err
		}
		name := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(c.user)
		c.clientFirstBare = "n=" + name + ",r=" + base64.RawStdEncoding.EncodeToString(raw)
		c.step = 1
		return "n,," + c.clientFirstBare, nil
	case 1:
		a := attributes(challenge)
		if e, ok := a["e"]; ok {
			return "", fmt.Errorf("server refused: %s", e)
		}
		nonce := attributes(c.clientFirstBare)["r"]
		if !strings.HasPrefix(a["r"], nonce) {
			return "", errors.New("server nonce does not extend the client's")
		}
		salt, err := base64.StdEncoding.DecodeString(a["s"])
		if err != nil {
			return "", fmt.Errorf("bad salt: %v", err)
		}
		iterations, err := strconv.Atoi(a["i"])
		if err != nil || iterations < 1 {
			return "", fmt.Errorf("bad iteration count %q", a["i"])
		}
		salted := c.hi(salt, iterations)
		clientKey := c.mac(salted, "Client Key")
		h := c.newHash()
		h.Write(clientKey)
		storedKey := h.Sum(nil)
		withoutProof := "c=biws,r=" + a["r"]
		authMessage := c.clientFirstBare + "," + challenge + "," + withoutProof
		proof := c.mac(storedKey, authMessage)
		for i := range proof {
			proof[i] ^= clientKey[i]
		}
		c.serverSignature = c.mac(c.mac(salted, "Server Key"), authMessage)
		c.step = 2
		return withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof), nil
	default:
		a := attributes(challenge)
		if e, ok := a["e"]; ok {
			return "", fmt.Errorf("server refused: %s", e)
		}
		v, err := base64.StdEncoding.DecodeString(a["v"])
		if err != nil || !hmac.Equal(v, c.serverSignature) {
			return "", errors.New("server signature does not match: not the server that holds this key")
		}
		c.done = true
		return "", nil
	}
}
