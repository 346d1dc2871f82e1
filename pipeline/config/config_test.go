package config

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"kidney3d/assets"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/stage"
	_ "kidney3d/pipeline/stages"
)

// nop is a registered test stage kind.
type nop struct{ name string }

func (n nop) Name() string                        { return n.name }
func (nop) Inputs() []stage.Artefact              { return nil }
func (nop) Outputs() []stage.Artefact             { return nil }
func (nop) Resource() stage.Resource              { return stage.CPU }
func (nop) Params() any                           { return nil }
func (nop) Check(*stage.Env) error                { return nil }
func (nop) Run(context.Context, *stage.Env) error { return nil }

func init() {
	stage.Register("config_test_nop", func(name string, p stage.Params, _ *labels.Table) (stage.Stage, error) {
		var params struct {
			Level int `yaml:"level"`
		}
		return nop{name}, p.Decode(&params)
	})
}

func TestDefaultConfigBuilds(t *testing.T) {
	c, source, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	stages, err := c.Build(source, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) < 3 || stages[0].Name() != "load" {
		t.Fatalf("default pipeline: %d stages", len(stages))
	}
}

func TestConfigErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"empty", "", "no stages"},
		{"not yaml", "stages: [\n", "t.yaml"},
		{"unknown key", "stages:\n  - stage: config_test_nop\n    colour: red\n", ":3:"},
		{"unknown stage", "stages:\n  - stage: config_test_nop\n  - stage: frobnicate\n", ":3: stage frobnicate: unknown stage"},
		{"bad params", "stages:\n  - stage: config_test_nop\n    params: {level: high}\n", ":2: stage config_test_nop: parameters"},
		{"unknown param", "stages:\n  - stage: config_test_nop\n    params: {depth: 3}\n", "depth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml), "t.yaml")
			if err == nil {
				_, err = c.Build("t.yaml", nil)
			}
			var ce *Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an *Error containing %q", err, tc.want)
			}
		})
	}
}

func TestNamedStages(t *testing.T) {
	c, err := Parse([]byte("stages:\n  - {stage: config_test_nop, name: first}\n  - {stage: config_test_nop, params: {level: 2}}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stages, err := c.Build("t.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if stages[0].Name() != "first" || stages[1].Name() != "config_test_nop" {
		t.Fatalf("names %s, %s", stages[0].Name(), stages[1].Name())
	}
}

func TestConfigReadsAreBoundedAndNamesQuoted(t *testing.T) {
	long := strings.Repeat("a%*d", 1<<16)
	for _, tc := range []struct{ name, yaml, want string }{
		{"long stage kind", "stages:\n  - stage: \"" + long + "\"\n", `:2: stage "a%*da%*d`},
		{"odd stage name", "stages:\n  - {stage: load, name: ../x}\n", `:2: name "../x": want a letter`},
		{"oversized", "stages: [load]\n#" + strings.Repeat("x", 1<<20), "over the limit of 1048576"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "t.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) || len(err.Error()) > 400 || strings.Contains(err.Error(), "%!") {
				t.Fatalf("got %.400v, want %q", err, tc.want)
			}
		})
	}
	if _, _, err := Load("/dev/zero"); err == nil || !strings.Contains(err.Error(), "config: /dev/zero: not a regular file") {
		t.Errorf("Load(/dev/zero): %v", err)
	}
}

// TestStagesDeclareTheRunsLabels: with a label table of the run's own (a
// label the default table lacks), the stages that read every label's mask
// declare that label's, and a stage parameter may name it.
func TestStagesDeclareTheRunsLabels(t *testing.T) {
	table, err := labels.Parse(append(slices.Clone(assets.LabelsYAML), "  - {value: 40, name: adrenal_left, color: [200, 160, 60, 255]}\n"...), "labels.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte("stages:\n  - stage: load\n  - stage: cleanup\n  - {stage: merge, params: {precedence: [adrenal_left]}}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Build("t.yaml", nil); err == nil {
		t.Error("the default table took a precedence naming adrenal_left")
	}
	stages, err := c.Build("t.yaml", table)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []stage.Artefact{stage.Given("adrenal_left"), stage.Mask("adrenal_left"), stage.Mask("adrenal_left")} {
		if !slices.Contains(stages[i].Inputs(), want) {
			t.Errorf("stage %s does not read %s", stages[i].Name(), want)
		}
	}
}
