package maskimport

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"kidney3d/nifti"
)

// fileClasses is the label table that a multi-label file carries in a
// header extension (parseCaret), by value; nil when it carries none.
func fileClasses(path string) (map[int]string, error) {
	exts, err := nifti.ReadExtensionsFile(path)
	if err != nil {
		return nil, err
	}
	for _, e := range exts {
		classes, err := parseCaret(e.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: header extension (CaretExtension label table): %w", path, err)
		}
		if len(classes) > 0 {
			return classes, nil
		}
	}
	return nil, nil
}

// parseCaret reads the label table of a header extension as
// TotalSegmentator writes one: a CaretExtension XML whose
// VolumeInformation/LabelTable holds <Label Key="1">spleen</Label>. It
// gives nil for an extension of another kind, keeps the labels whose key is
// from 1 to MaxClass and whose name is not empty, and refuses XML it cannot
// read.
func parseCaret(data []byte) (map[int]string, error) {
	data = bytes.TrimRight(data, "\x00")
	if !bytes.Contains(data, []byte("<CaretExtension")) {
		return nil, nil
	}
	var doc struct {
		Labels []struct {
			Key  int    `xml:"Key,attr"`
			Name string `xml:",chardata"`
		} `xml:"VolumeInformation>LabelTable>Label"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	out := map[int]string{}
	for _, l := range doc.Labels {
		if name := strings.TrimSpace(l.Name); l.Key >= 1 && l.Key <= MaxClass && name != "" {
			out[l.Key] = name
		}
	}
	return out, nil
}
