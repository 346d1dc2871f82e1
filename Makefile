# kidney3d — make run (install, build, open a demo case) and make test.
# Every target installs what it needs and is safe to run again.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
# The module alone decides the build, whatever go.work a parent folder holds.
export GOWORK := off
BIN := bin/kidney3d
DEPS := .deps
# Run as root, or through sudo where it exists.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# Debian packages. Building needs the GL, X11 and GTK headers of Fyne, g3n and the
# native dialogs, and EGL with Mesa's software renderer to draw with no display.
# Tests also run the GUI under Xvfb and compare with nibabel (files), VTK
# (surfaces) and dcm2niix (DICOM import, on series that dcmtk and gdcm rewrite
# in each transfer syntax) and start a private RabbitMQ broker (tools/rabbitmq.sh);
# benchmarks also run the peers (VTK with 3D
# Slicer's settings, scikit-image, SciPy).
APT_BUILD := gcc pkg-config libgl1-mesa-dev libegl-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev libgtk-3-dev libegl1 libegl-mesa0 libgl1-mesa-dri
APT_TEST := $(APT_BUILD) poppler-utils xvfb xauth python3-numpy python3-nibabel python3-scipy python3-vtk9 pigz bc strace \
	dcm2niix dcmtk libgdcm-tools rabbitmq-server openssl
APT_BENCH := $(APT_TEST) python3-skimage
APT_CROSS := gcc-mingw-w64-x86-64-posix
# Packaging: Debian packages' checks and shlib dependencies, NSIS, Authenticode
# signing, GnuPG, and Wine with a clean Debian 12 root for the install tests.
APT_PACKAGE := $(APT_CROSS) dpkg-dev lintian nsis osslsigncode gnupg xz-utils
APT_PACKAGE_TEST := $(APT_PACKAGE) wine64 debootstrap

# ONNX Runtime 1.29.0 from npm (the CPU/CUDA-bridge core library for Linux x64).
ORT_VERSION := 1.29.0
ORT_DIR := $(DEPS)/onnxruntime-$(ORT_VERSION)
ORT_LIB := $(ORT_DIR)/linux-x64/libonnxruntime.so.1
# Its CUDA and TensorRT providers (need CUDA 13 and cuDNN 9 on the machine), from
# the npm package of the same ONNX Runtime build; fetched only where a GPU is.
ORT_GPU_PKG := com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9
ORT_GPU_LIB := $(ORT_DIR)/linux-x64/libonnxruntime_providers_cuda.so
HAVE_NVIDIA := $(shell command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && echo yes)
# Its Windows x64 build with DirectML, from the same npm package.
ORT_WIN_DIR := $(ORT_DIR)/win32-x64
ORT_WIN_LIB := $(ORT_WIN_DIR)/onnxruntime.dll
# glTF validator (Khronos), for the GLB writer's tests.
GLTF_VALIDATOR_VERSION := 2.0.0-dev.3.10
GLTF_VALIDATOR := $(DEPS)/npm/node_modules/gltf-validator/package.json

# Version stamped into the binary (pipeline/buildinfo): a release tag vX.Y.Z,
# else FyneApp.toml's version with the commit's date and hash. Build date is the
# last commit's (SOURCE_DATE_EPOCH), so that two builds give the same bytes.
APP_VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH
VERSION := $(or $(shell git describe --tags --exact-match --match 'v[0-9]*' 2>/dev/null | sed 's/^v//'),$(APP_VERSION)+git$(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y%m%d).$(shell git rev-parse --short=7 HEAD 2>/dev/null))
BUILD_DATE := $(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ)
VERSION_LDFLAGS := -X kidney3d/pipeline/buildinfo.version=$(VERSION) -X kidney3d/pipeline/buildinfo.commit=$(COMMIT) -X kidney3d/pipeline/buildinfo.date=$(BUILD_DATE)
# Release builds: no paths, no build ID, no symbol table.
RELEASE_FLAGS := -trimpath -buildvcs=false -ldflags "-buildid= -s -w $(VERSION_LDFLAGS)"
DIST := dist

DEMO_CASE := demo-case
# make test's short fuzz run: 2 s per target (37 targets; the kept corpora
# are also replayed by go test); `make fuzz FUZZTIME=1m` for a real run.
FUZZTIME ?= 2s

.PHONY: all deps deps-build deps-test deps-bench deps-gpu build cross run test vet fuzz bench demo-models clean package package-check package-test

all: build

## deps: everything build, test and bench need (apt packages, ONNX Runtime, npm tools)
deps: deps-bench $(ORT_LIB) $(GLTF_VALIDATOR) $(if $(HAVE_NVIDIA),deps-gpu)

## deps-gpu: ONNX Runtime's CUDA/TensorRT providers (about 180 MB), next to its core library
deps-gpu: $(ORT_GPU_LIB)

deps-build: go-check
	@$(call apt_install,$(APT_BUILD))

deps-test: go-check
	@$(call apt_install,$(APT_TEST))

deps-bench: go-check
	@$(call apt_install,$(APT_BENCH))

# apt_install installs the packages of $(1) that are not installed yet.
define apt_install
	missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: go-check
go-check:
	@command -v $(GO) >/dev/null || { echo "Go is missing: install Go 1.26 from https://go.dev/dl/ (or put it on PATH)"; exit 1; }

.PHONY: npm-check
npm-check:
	@command -v npm >/dev/null || { $(call apt_install,npm); }

$(ORT_LIB): | npm-check
	@echo "fetching ONNX Runtime $(ORT_VERSION) (npm onnxruntime-node) into $(ORT_DIR)"
	@mkdir -p $(ORT_DIR)/pack $(ORT_DIR)/linux-x64
	@cd $(ORT_DIR)/pack && npm pack --silent onnxruntime-node@$(ORT_VERSION) >/dev/null 2>&1
	@tar -xzf $(ORT_DIR)/pack/onnxruntime-node-$(ORT_VERSION).tgz -C $(ORT_DIR)/pack package/bin/napi-v6/linux/x64/libonnxruntime.so.1
	@mv $(ORT_DIR)/pack/package/bin/napi-v6/linux/x64/libonnxruntime.so.1 $(ORT_LIB)
	@rm -rf $(ORT_DIR)/pack/package

$(ORT_GPU_LIB): $(ORT_LIB)
	@echo "fetching ONNX Runtime $(ORT_VERSION) CUDA/TensorRT providers (npm $(ORT_GPU_PKG))"
	@mkdir -p $(ORT_DIR)/gpupack
	@cd $(ORT_DIR)/gpupack && npm pack --silent $(ORT_GPU_PKG) >/dev/null 2>&1
	@tar -xzf $(ORT_DIR)/gpupack/*.tgz -C $(ORT_DIR)/gpupack
	@mv $(ORT_DIR)/gpupack/package/Plugins/Linux/x64/*.so $(ORT_DIR)/linux-x64/
	@rm -rf $(ORT_DIR)/gpupack

$(ORT_WIN_LIB): $(ORT_LIB)
	@echo "unpacking ONNX Runtime $(ORT_VERSION) for Windows x64 (with DirectML) into $(ORT_WIN_DIR)"
	@mkdir -p $(ORT_WIN_DIR) $(ORT_DIR)/winpack
	@tar -xzf $(ORT_DIR)/pack/onnxruntime-node-$(ORT_VERSION).tgz -C $(ORT_DIR)/winpack \
	  package/bin/napi-v6/win32/x64/onnxruntime.dll package/bin/napi-v6/win32/x64/DirectML.dll
	@mv $(ORT_DIR)/winpack/package/bin/napi-v6/win32/x64/*.dll $(ORT_WIN_DIR)/
	@rm -rf $(ORT_DIR)/winpack

$(GLTF_VALIDATOR): | npm-check
	@echo "installing gltf-validator $(GLTF_VALIDATOR_VERSION) into $(DEPS)/npm"
	@mkdir -p $(DEPS)/npm
	@npm install --silent --no-audit --no-fund --prefix $(DEPS)/npm gltf-validator@$(GLTF_VALIDATOR_VERSION) >/dev/null 2>&1

## build: the kidney3d binary in bin/, with ONNX Runtime beside it (cgo: the first build takes minutes)
build: deps-build $(ORT_LIB)
	$(GO) build -ldflags "$(VERSION_LDFLAGS)" -o $(BIN) .
	@cp -f $(ORT_DIR)/linux-x64/*.so* bin/

## cross: the Windows binary, with mingw-w64 (a release build, as the installer ships it)
cross: deps-build
	@$(call apt_install,$(APT_CROSS))
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc $(GO) build $(RELEASE_FLAGS) -o bin/kidney3d.exe .

# KIDNEY3D_PACKAGE_CUDA=1: make package and make package-check also pack (and
# package-check tests) kidney3d-cuda_VERSION_amd64.deb, fetching its provider
# libraries first (deps-gpu); make package-test always does.
KIDNEY3D_PACKAGE_CUDA ?=
export KIDNEY3D_PACKAGE_CUDA

## package: the .deb, the portable .tar.xz and the Windows installer in dist/, the same
## bytes from the same commit; signed when KIDNEY3D_SIGN_CERT/KIDNEY3D_SIGN_KEY (Authenticode)
## and KIDNEY3D_GPG_KEY (SHA256SUMS.asc) are set (tools/pack/package.sh)
package: deps-build $(ORT_LIB) $(ORT_WIN_LIB) $(if $(KIDNEY3D_PACKAGE_CUDA),$(ORT_GPU_LIB))
	@$(call apt_install,$(APT_PACKAGE))
	GO=$(GO) VERSION=$(VERSION) DIST=$(DIST) ORT_DIR=$(ORT_DIR) RELEASE_FLAGS='$(RELEASE_FLAGS)' ./tools/pack/package.sh

## package-check: the .deb of bin/kidney3d (no release build, no Windows), lintian, and
## the extracted tree run in place (--version, demo, run); part of make test
package-check: build $(if $(KIDNEY3D_PACKAGE_CUDA),$(ORT_GPU_LIB))
	@$(call apt_install,dpkg-dev lintian)
	GO=$(GO) VERSION=$(VERSION) DIST=$(DIST)/check ORT_DIR=$(ORT_DIR) RELEASE_FLAGS=unused PACKAGE_BIN=$(BIN) ./tools/pack/package.sh
	./tools/pack/check-tree.sh $(DIST)/check/kidney3d_$(VERSION)_amd64.deb \
	  $(if $(KIDNEY3D_PACKAGE_CUDA),$(DIST)/check/kidney3d-cuda_$(VERSION)_amd64.deb)

## package-test: make package twice and compare, lintian, signatures, then install the .deb
## (and kidney3d-cuda) into a clean Debian 12 root and the installer into Wine, run them and
## uninstall (tools/pack/package-test.sh; minutes, needs network once for debootstrap)
package-test: deps-build $(ORT_LIB) $(ORT_WIN_LIB) $(ORT_GPU_LIB)
	@$(call apt_install,$(APT_PACKAGE_TEST) xvfb xauth)
	KIDNEY3D_PACKAGE_CUDA=1 GO=$(GO) VERSION=$(VERSION) DIST=$(DIST) ORT_DIR=$(ORT_DIR) RELEASE_FLAGS='$(RELEASE_FLAGS)' ./tools/pack/package-test.sh

## run: install, build, write a demo case, run its pipeline and open it
run: deps build
	@[ -f $(DEMO_CASE)/input/A.nii.gz ] || ./$(BIN) demo --out $(DEMO_CASE) --seed 1 --size small
	./$(BIN) run $(DEMO_CASE)
	./$(BIN) view $(DEMO_CASE)

## test: vet, formatting, unit and end-to-end tests, short fuzz runs, the .deb's lintian and tree check
test: deps-test $(ORT_LIB) $(GLTF_VALIDATOR) vet
	KIDNEY3D_ONNXRUNTIME=$(abspath $(ORT_LIB)) $(GO) test -timeout 30m ./...
	$(MAKE) --no-print-directory fuzz
	$(MAKE) --no-print-directory package-check

vet: go-check
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags probe ./ui/
	cd tools/pack && $(GO) vet ./... && $(GO) test ./...

## fuzz: every fuzz target of every package for $(FUZZTIME), on its kept corpus
## (tools/fuzz.sh); new finds are not minimised, so that each run spends its time
## exploring (-fuzzminimizetime=0)
FUZZFLAGS ?= -fuzzminimizetime=0
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZFLAGS="$(FUZZFLAGS)" ./tools/fuzz.sh

## bench: go test benchmarks and the kidney3d bench suite beside the peers
bench: deps build
	KIDNEY3D_ONNXRUNTIME=$(abspath $(ORT_LIB)) $(GO) test -run='^$$' -bench=. -benchmem ./...
	./$(BIN) bench --out bench.json

## demo-models: retrain the demo ONNX models (assets/models/demo-*) and the ONNX parity fixture (CPU, about an hour on 2 cores)
APT_MODELS := python3-numpy python3-scipy python3-nibabel python3-torch python3-onnx
demo-models: build
	@$(call apt_install,$(APT_MODELS))
	/usr/bin/python3 tools/models/make_parity_fixture.py
	/usr/bin/python3 -m unittest tools/models/test_export_nnunet.py
	/usr/bin/python3 tools/models/train_demo_models.py --bin $(BIN)

clean:
	rm -rf bin $(DEMO_CASE) bench.json $(DIST)
