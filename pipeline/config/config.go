// Package config reads config.yaml, which composes the pipeline: the
// stages to run, by registered name, and their parameters. The default is
// embedded from assets/config.yaml; a user's file replaces it.
package config

import (
	"fmt"
	"regexp"

	"kidney3d/assets"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/yamlfile"
)

// Config is a parsed config.yaml.
type Config struct {
	Stages []StageConfig `yaml:"stages"`
	// Labels is an optional label-table file replacing the embedded one.
	Labels string `yaml:"labels"`
}

// StageConfig is one stage entry.
type StageConfig struct {
	Stage  string       `yaml:"stage"` // the registered kind
	Name   string       `yaml:"name"`  // optional: its name in this pipeline
	Params stage.Params `yaml:"params"`
	line   int
}

// Error is a problem in a config file, with its line.
type Error = yamlfile.Error

// kind names config files in errors.
const kind = "config"

// namePattern is what a stage kind or name may be: a letter, then letters,
// digits, '_' or '-', 64 bytes at most (a name is also a folder in work/).
var namePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// Parse reads a config; source names it in errors. Files over
// limits.MaxConfigBytes, unknown keys and stage kinds or names that do
// not match namePattern are errors.
func Parse(data []byte, source string) (*Config, error) {
	if len(data) > limits.MaxConfigBytes {
		return nil, &Error{Kind: kind, File: source, Msg: fmt.Sprintf("%d bytes, over the limit of %d", len(data), limits.MaxConfigBytes)}
	}
	var c Config
	if err := yamlfile.Decode(kind, source, data, &c); err != nil {
		return nil, err
	}
	if len(c.Stages) == 0 {
		return nil, &Error{Kind: kind, File: source, Msg: "no stages: the file needs a list under `stages:`"}
	}
	for i, line := range yamlfile.ListLines(data, "stages") {
		if i < len(c.Stages) {
			c.Stages[i].line = line
		}
	}
	for _, sc := range c.Stages {
		for _, f := range [][2]string{{"stage", sc.Stage}, {"name", sc.Name}} {
			if (f[1] != "" || f[0] == "stage") && !namePattern.MatchString(f[1]) {
				return nil, &Error{Kind: kind, File: source, Line: sc.line,
					Msg: fmt.Sprintf("%s %s: want a letter, then letters, digits, '_' or '-', 64 bytes at most", f[0], limits.Quote(f[1]))}
			}
		}
	}
	return &c, nil
}

// Build makes the configured stages for the label table; an unknown stage
// or bad parameters are reported with the entry's line.
func (c *Config) Build(source string, table *labels.Table) ([]stage.Stage, error) {
	var out []stage.Stage
	for _, sc := range c.Stages {
		s, err := stage.New(sc.Stage, sc.Name, sc.Params, table)
		if err != nil {
			return nil, &Error{Kind: kind, File: source, Line: sc.line, Msg: fmt.Sprintf("stage %s: %v", sc.Stage, err)}
		}
		out = append(out, s)
	}
	return out, nil
}

// Load reads the config at path, or the embedded default when path is "".
// It returns the stages and the name of the source for messages.
func Load(path string) (*Config, string, error) {
	if path == "" {
		c, err := Parse(assets.ConfigYAML, "assets/config.yaml")
		return c, "assets/config.yaml", err
	}
	data, err := yamlfile.ReadFile(kind, path, limits.MaxConfigBytes)
	if err != nil {
		return nil, path, err
	}
	c, err := Parse(data, path)
	return c, path, err
}
