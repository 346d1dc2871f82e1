module kidney3d

go 1.26

require (
	github.com/klauspost/compress v1.20.3
	github.com/klauspost/pgzip v1.3.0
	go.yaml.in/yaml/v3 v3.0.4
)
