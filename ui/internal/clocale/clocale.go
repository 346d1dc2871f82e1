// Package clocale keeps Fyne quiet under the C locale. Import it for its
// side effect, from any package of a program that links Fyne.
//
// Fyne v2.7 reads the user's language when its lang package is
// initialised, before main runs (fyne.io/fyne/v2/lang: locale.go through
// github.com/jeandeaual/go-locale): the first of LC_ALL, LC_MESSAGES and
// LANG that is set, cut at the "." of the encoding, parsed as a BCP 47
// tag. Exactly "C" or "POSIX" is understood as no preference, but "C.UTF-8"
// (the default locale of Debian and Ubuntu containers and of many
// services) becomes the tag "C", which does not parse, and Fyne logs
// "Fyne error: Error parsing user locale C" on stderr, for every command of
// the program, GUI or not.
//
// go-locale prefers $LANGUAGE when it is set and the locale is not exactly
// C or POSIX, so when the locale in effect is C or POSIX with an encoding
// or modifier and LANGUAGE is empty, this package sets LANGUAGE=en: Fyne
// then uses English, which is what it falls back to anyway. GNU gettext
// ignores LANGUAGE under the C locale, so child processes behave as
// before; any other locale (de_DE.UTF-8, …) is left alone and keeps its
// translations.
//
// Its init runs before Fyne's: Go initialises packages in import-path
// order, each as soon as its imports are, and this package imports only
// os and strings, which are initialised before text/template, an import
// of Fyne's lang package whose path sorts after this one's.
package clocale

import (
	"os"
	"strings"
)

func init() { fix(os.Getenv, os.Setenv) }

// fix sets LANGUAGE=en when the locale in effect is C or POSIX with a
// suffix such as ".UTF-8" and LANGUAGE is unset.
func fix(getenv func(string) string, setenv func(string, string) error) {
	loc := ""
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(v); loc != "" {
			break
		}
	}
	if loc == "C" || loc == "POSIX" || getenv("LANGUAGE") != "" {
		return // no preference, or one go-locale reads as is
	}
	lang, _, _ := strings.Cut(loc, ".")
	lang, _, _ = strings.Cut(lang, "@")
	if lang == "C" || lang == "POSIX" {
		_ = setenv("LANGUAGE", "en")
	}
}
