package audit

import (
	"testing"
)

// FuzzDecode: a bundle from outside never panics the decoder or the
// verifier; whatever is accepted is refused or verified with a reason.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"version":1,"round":"R1","result":{"payloadType":"x","payload":"","signatures":[]}}`))
	f.Add([]byte(`{"version":1,"round":"R1","server_key":{"name":"a","public_key":"AAAA"},"input":"e30=","result":{"payloadType":"application/vnd.appariement.result+json","payload":"e30=","signatures":[{"keyid":"x","sig":"AAAA"}]},"leaves":[{"index":0,"data":"AA==","proof":[]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode(data)
		if err != nil {
			return
		}
		if _, err := Verify(b, nil); err == nil {
			t.Fatal("a fuzzed bundle verified")
		}
	})
}
