// notecheck verifies or signs C2SP signed notes with Go's golang.org/x/mod/sumdb/note, the reference the
// checkpoint format is defined against. Used by GoNoteInteropTest.
//
//	notecheck verify VKEY < note   prints the verified text, exits 1 if note.Open fails
//	notecheck sign SKEY < text     prints the signed note
package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil || len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: notecheck verify VKEY | sign SKEY")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "verify":
		v, err := note.NewVerifier(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad vkey:", err)
			os.Exit(2)
		}
		n, err := note.Open(in, note.VerifierList(v))
		if err != nil {
			fmt.Fprintln(os.Stderr, "rejected:", err)
			os.Exit(1)
		}
		fmt.Print(n.Text)
	case "sign":
		s, err := note.NewSigner(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad skey:", err)
			os.Exit(2)
		}
		out, err := note.Sign(&note.Note{Text: string(in)}, s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cannot sign:", err)
			os.Exit(1)
		}
		os.Stdout.Write(out)
	default:
		os.Exit(2)
	}
}
