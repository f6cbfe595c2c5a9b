// Package wecom is the 企业微信 (WeCom, and 政务微信 which speaks the same API) front end of a
// self-built app (自建应用): callbacks become ganwei.Events, and ganwei.Messenger sends through
// the app's message API. It holds no feature logic; see docs/frontends.md.
//
// The callback crypto (signature and AES, WXBizMsgCrypt) is github.com/silenceper/wechat/v2's
// util package. Its work/message client is not used: it hard-codes the public API address
// (政务微信 and the test stand-in live elsewhere), takes no context, and has no template-card
// update; Client here is the small part of the API Ganwei needs.
package wecom

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/silenceper/wechat/v2/util"
)

// Crypto signs, verifies, encrypts and decrypts callback messages with the app's Token and
// EncodingAESKey, as 企业微信's WXBizMsgCrypt does.
type Crypto struct {
	Token  string
	AESKey string // EncodingAESKey: 43 characters of base64
	CorpID string // the receive id checked inside every decrypted message
}

// ValidAESKey reports whether key is a usable EncodingAESKey (43 base64 characters, 32 bytes).
func ValidAESKey(key string) bool {
	if len(key) != 43 {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(key + "=")
	return err == nil && len(b) == 32
}

// Signature is msg_signature: sha1 of the sorted token, timestamp, nonce and encrypted text.
func (c Crypto) Signature(timestamp, nonce, encrypted string) string {
	return util.Signature(c.Token, timestamp, nonce, encrypted)
}

// Verify checks msg_signature in constant time.
func (c Crypto) Verify(signature, timestamp, nonce, encrypted string) bool {
	want := c.Signature(timestamp, nonce, encrypted)
	return subtle.ConstantTimeCompare([]byte(want), []byte(signature)) == 1
}

// Decrypt opens an encrypted callback text and checks that it was made for this corp.
func (c Crypto) Decrypt(encrypted string) ([]byte, error) {
	_, plain, err := util.DecryptMsg(c.CorpID, encrypted, c.AESKey)
	if err != nil {
		return nil, errors.New("decrypt callback: cannot open or wrong corp")
	}
	return plain, nil
}

// Encrypt seals plain as 企业微信 does for a callback (used by the test stand-in and for
// encrypted replies).
func (c Crypto) Encrypt(plain []byte) (string, error) {
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return "", fmt.Errorf("random for encryption: %w", err)
	}
	out, err := util.EncryptMsg(random, plain, c.CorpID, c.AESKey)
	if err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	return string(out), nil
}
