package console

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// TestUploadOfTheLargestSizeStaysInMemory: a file just under the limit is parsed into memory, not
// into a temporary file (multipart keeps a part on disk when it exceeds the memory given).
func TestUploadOfTheLargestSizeStaysInMemory(t *testing.T) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", "x")
	fw, _ := mw.CreateFormFile("file", "a.xlsx")
	_, _ = fw.Write(bytes.Repeat([]byte("P"), MaxUploadBytes))
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/console/reminders/import", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	w := httptest.NewRecorder()
	if !(&Server{}).parseUpload(w, r) {
		t.Fatalf("a file of exactly the limit was refused: %d", w.Code)
	}
	defer r.MultipartForm.RemoveAll()
	f, err := r.MultipartForm.File["file"][0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, onDisk := f.(*os.File); onDisk {
		t.Error("the upload was written to a temporary file")
	}
}
