# dnn: build, test and run the example pipelines. `make help` lists the targets.
SWIFT   ?= swift
DNN     := .build/release/dnn
MNIST   := data/mnist
SHARED_MNIST := ../shared/data/mnist
MNIST_URL ?= https://ossci-datasets.s3.amazonaws.com/mnist
MNIST_FILES := train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz

.PHONY: help build test test-cpu test-avx2 compare-gemm neon-check lint docs-check demo mnist mnist-data gradcheck bench compare compare-sequences sweep plot onnx-venv onnx-check mpi-demo mpi-scaling thread-scaling clean fuzz fuzz-smoke fuzz-build

# The Python environment of the ONNX checks (onnx, onnxruntime, numpy); DNN_ONNX_PYTHON
# names another interpreter that has them.
ONNX_VENV   := .build/venv-onnx
DNN_ONNX_PYTHON ?= $(ONNX_VENV)/bin/python

help:
	@echo "make demo        train the iris demo and evaluate its best checkpoint"
	@echo "make test        build and run every test (what CI runs)"
	@echo "make docs-check  run every command shown in README.md and docs/ (needs make build)"
	@echo "make lint        the code's promises: functions of at most 60 lines, no layer casts, every layer type documented and fixtured"
	@echo "make mnist       get MNIST (../shared/data/mnist or a download) and train configs/mnist_mlp.json"
	@echo "make gradcheck   gradient-check the example configs in double precision"
	@echo "make mpi-demo    train the iris demo on 2 MPI ranks (needs Open MPI's mpirun)"
	@echo "make mpi-scaling 2 ranks against 1 process on the MNIST configs, and 2 independent processes (needs mpirun)"
	@echo "make thread-scaling  dnn bench training: 2 threads against 1, and 2 one-thread processes at once"
	@echo "make sweep       train iris over dropout p x batchnorm momentum; table of val accuracy, best first"
	@echo "make plot        plot the last sweep (or the last three runs) as SVG"
	@echo "make bench       dnn bench: GEMM GFLOP/s, training and inference samples/s"
	@echo "make compare     dnn against PyTorch and NumPy side by side (needs torch; not CI)"
	@echo "make compare-sequences  gpt_tiny, LSTM and GRU training against PyTorch, 1 and 2 threads"
	@echo "make onnx-check  export every example config to ONNX and check it in onnxruntime (makes $(ONNX_VENV))"
	@echo "make test-cpu CPU=haswell  every test on a build for another CPU (haswell: AVX2, x86-64: baseline) in .build/CPU"
	@echo "make test-avx2   the GEMM, bf16 GEMM, kernel, convolution and golden-run tests on an AVX2-only (haswell) build"
	@echo "make compare-gemm GEMM GFLOP/s of the native and AVX2 builds against NumPy's OpenBLAS (needs numpy; not CI)"
	@echo "make neon-check  the arm64 micro-kernel shape keeps its accumulators in registers (clang)"
	@echo "make build       release build of .build/release/dnn"
	@echo "make fuzz        libFuzzer on the config, CSV, CSV encoding, IDX, safetensors, NumPy, JPEG and PNG readers, FUZZ_SECONDS (60) each"
	@echo "make fuzz-smoke  the same for 15 s each (what CI runs)"

build:
	$(SWIFT) build -c release --product dnn

# Tests build in their own folder: `-enable-testing` compiles every module differently, and
# sharing .build/release with `make build` made each switch between the two rebuild the
# whole library. `swift test` builds every product, the `dnn` the CLI tests run included.
TEST_BUILD ?= .build/testing

test:
	$(SWIFT) test -c release -Xswiftc -enable-testing --build-path $(TEST_BUILD)

# What DEVELOPERS.md and README.md promise about the code, checked (tools/lint.py, Python 3
# standard library): no function over 60 lines in Sources/ (generated kernels excepted by
# name), no cast to a concrete layer type outside Sources/DNN/Layers/, and every LayerType
# in README's layer table and in the PyTorch layer fixtures.
lint:
	python3 tools/lint.py

# Every command shown in README.md and docs/*.md, run (a make target: must exist), so none
# goes stale (tools/check_docs.py, in a scratch folder with copies of configs/ and data/).
docs-check: build
	python3 tools/check_docs.py

# The GEMM micro-kernel is shaped per instruction set at compile time (docs/kernels.md):
# these suites on an AVX2-only build check the 256-bit shape on any x86-64 CPU with AVX2:
# the GEMM, its bfloat16 twin (split over threads by the GEMM's tile; skipped without
# AVX512_BF16), the other kernels, convolutions, and the golden runs (GoldenRunTests and
# RegressionGoldenRunTests: whole trainings against PyTorch).
AVX2_BUILD  ?= .build/haswell
GEMM_SUITES := GEMMTests|BFloat16Tests|KernelTests|ConvolutionTests|GoldenRunTests
DNN_NUMPY_PYTHON ?= python3

# `make test` on a build for another CPU than this one's (DNN_TARGET_CPU, read by
# Package.swift), in its own build folder so it never rebuilds the native one:
# `make test-cpu CPU=haswell` (AVX2 + FMA), `make test-cpu CPU=x86-64` (SSE2 baseline).
# `swift test` builds every product, the `dnn` the CLI tests run included.
CPU ?= haswell

test-cpu:
	DNN_TARGET_CPU=$(CPU) $(SWIFT) test -c release -Xswiftc -enable-testing --build-path .build/$(CPU)

test-avx2:
	DNN_TARGET_CPU=haswell $(SWIFT) test -c release -Xswiftc -enable-testing --build-path $(AVX2_BUILD) \
	  --filter '$(GEMM_SUITES)'

compare-gemm: build
	DNN_TARGET_CPU=haswell $(SWIFT) build -c release --product dnn --build-path $(AVX2_BUILD)
	python3 tools/compare_gemm.py --python $(DNN_NUMPY_PYTHON) --openblas native --openblas Haswell \
	  --dnn native=$(DNN) --dnn avx2=$(AVX2_BUILD)/release/dnn --threads 1 --threads 2 --rounds 5

neon-check:
	tools/check_neon_kernel.sh
	! tools/check_neon_kernel.sh 8 3 4 >/dev/null 2>&1

demo: build
	$(DNN) train configs/iris.json --out runs/demo --force
	$(DNN) eval runs/demo/best.safetensors

# The MNIST files: a link to ../shared/data/mnist when it exists, else a download.
mnist-data:
	@if [ -d "$(SHARED_MNIST)" ]; then \
	  mkdir -p data && ln -sfn "$$(cd $(SHARED_MNIST) && pwd)" $(MNIST) && echo "$(MNIST) -> $(SHARED_MNIST)"; \
	elif [ ! -f $(MNIST)/t10k-images-idx3-ubyte.gz ]; then \
	  mkdir -p $(MNIST) && for f in $(MNIST_FILES); do \
	    echo "downloading $$f" && curl -fsSL -o $(MNIST)/$$f.part $(MNIST_URL)/$$f && mv $(MNIST)/$$f.part $(MNIST)/$$f || exit 1; \
	  done; \
	fi

mnist: build mnist-data
	$(DNN) train configs/mnist_mlp.json --out runs/mnist_mlp --force
	$(DNN) eval runs/mnist_mlp/best.safetensors

# The iris demo trained on 2 MPI ranks (needs Open MPI: apt-get install openmpi-bin libopenmpi-dev).
mpi-demo: build
	OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -np 2 --oversubscribe \
	  $(DNN) train configs/iris.json --out runs/mpi-demo --force --threads 1
	$(DNN) eval runs/mpi-demo/best.safetensors

# 2 threads against 1 thread on dnn bench's training rows, and the ceiling: two one-thread
# processes at once (issue #22's 1.7x and 1.8x).
thread-scaling: build
	python3 tools/thread_scaling.py --dnn $(DNN)

# Data-parallel scaling (issue #11): 2 ranks x 1 thread against 1 process x 1 thread, the
# same global batch, alternating runs (tools/mpi_scaling.py), and two independent
# one-thread processes at once as the ceiling. Needs Open MPI's mpirun.
mpi-scaling: build mnist-data
	OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
	  python3 tools/mpi_scaling.py configs/mnist_cnn.json configs/mnist_mlp.json

gradcheck: build
	$(DNN) gradcheck configs/two_layer.json
	$(DNN) gradcheck configs/iris.json
	$(DNN) gradcheck configs/regression.json

bench: build
	$(DNN) bench

# Side by side with PyTorch eager and NumPy (pip install torch numpy); the MNIST files
# add the peak-memory comparison of a full mnist_cnn training run.
compare: build mnist-data
	python3 tools/compare_bench.py

compare-sequences: build
	python3 tools/compare_bench.py --sequences --threads 1
	python3 tools/compare_bench.py --sequences --threads 2

# A grid over dropout p and batchnorm momentum (via --set), each run scored by
# `dnn eval --json`, printed as a table sorted best first. Runs go to a new folder.
SWEEP_P        ?= 0.0 0.2 0.5
SWEEP_MOMENTUM ?= 0.01 0.1 0.5
SWEEP_CONFIG   ?= configs/iris_bn.json
SWEEP_DIR      := runs/sweep-$(shell date +%Y%m%d-%H%M%S)

sweep: build
	@mkdir -p $(SWEEP_DIR)
	@for p in $(SWEEP_P); do for m in $(SWEEP_MOMENTUM); do \
	  run=$(SWEEP_DIR)/p$$p-m$$m; \
	  $(DNN) train $(SWEEP_CONFIG) --out $$run --quiet \
	    --set model.layers.3.p=$$p --set model.layers.1.momentum=$$m || exit 1; \
	  $(DNN) eval $$run/best.safetensors --json \
	    | sed -E 's/.*"loss":([^,]*),"accuracy":([^,]*),.*/\2 \1/' \
	    | while read acc loss; do echo "$$acc $$loss $$p $$m $$run"; done; \
	done; done | sort -k1,1nr -k2,2n \
	  | awk 'BEGIN { printf "%-10s %-10s %-6s %-9s %s\n", "val_acc", "val_loss", "p", "momentum", "run" } \
	         { printf "%-10.4f %-10.4f %-6s %-9s %s\n", $$1, $$2, $$3, $$4, $$5 }'

# The runs of the last sweep, or else the last three runs, as one SVG.
plot: build
	@last=$$(ls -td runs/sweep-*/ 2>/dev/null | head -1); \
	if [ -n "$$last" ]; then $(DNN) plot $$(ls -d $${last}*/) -o $${last}plot.svg; \
	else $(DNN) plot $$(ls -td runs/*/ | head -3) -o runs/plot.svg; fi

# A venv with onnx, onnxruntime and numpy from PyPI, made once.
onnx-venv:
	@if [ ! -x "$(DNN_ONNX_PYTHON)" ]; then \
	  python3 -m venv $(ONNX_VENV) && $(ONNX_VENV)/bin/pip install --quiet onnx onnxruntime numpy; \
	fi

# Short runs of every example config, exported with dnn export and checked by
# tools/check_onnx.py: onnx.checker (full_check) and onnxruntime against dnn predict.
# `make test` runs the same checks (ONNXRuntimeTests) whenever this venv exists.
onnx-check: build onnx-venv
	$(DNN_ONNX_PYTHON) tools/check_onnx_all.py

# libFuzzer + AddressSanitizer targets for every reader of untrusted bytes (docs/fuzzing.md).
# Built with swiftc directly, never by SwiftPM: libFuzzer supplies `main`, so
# the targets stay out of `make build` and `make test`. The library is compiled once,
# instrumented, into $(FUZZ_BUILD)/DNN.o; each target is one file under Fuzz/Targets
# linked against it.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= config csv csvencoding idx safetensors npy jpeg png
FUZZ_BUILD   := .build/fuzz
FUZZ_FLAGS   := -O -sanitize=fuzzer,address -use-ld=lld
DNN_SOURCES  := $(shell find Sources/DNN -name '*.swift' | sort)
FUZZ_SOURCE_config      := Fuzz/Targets/ConfigFuzzer.swift
FUZZ_SOURCE_csv         := Fuzz/Targets/CSVFuzzer.swift
FUZZ_SOURCE_csvencoding := Fuzz/Targets/CSVEncodingFuzzer.swift
FUZZ_SOURCE_idx         := Fuzz/Targets/IDXFuzzer.swift
FUZZ_SOURCE_safetensors := Fuzz/Targets/SafeTensorsFuzzer.swift
FUZZ_SOURCE_npy         := Fuzz/Targets/NPYFuzzer.swift
FUZZ_SOURCE_jpeg        := Fuzz/Targets/JPEGFuzzer.swift
FUZZ_SOURCE_png         := Fuzz/Targets/PNGFuzzer.swift

FUZZ_INCLUDES := -I Sources/CZlib -I Fuzz/CBFloat16

# The bfloat16 kernels (C): chosen at run time, so the fuzzers run on any CPU.
$(FUZZ_BUILD)/CBFloat16.o: Sources/CBFloat16/BFloat16GEMM.c Sources/CBFloat16/include/CBFloat16.h
	@mkdir -p $(FUZZ_BUILD)
	clang -O2 -I Sources/CBFloat16/include -c $< -o $@

$(FUZZ_BUILD)/DNN.o: $(DNN_SOURCES) Sources/CZlib/module.modulemap Fuzz/CBFloat16/module.modulemap
	@mkdir -p $(FUZZ_BUILD)
	swiftc -parse-as-library -module-name DNN -wmo -enable-testing $(FUZZ_FLAGS) $(FUZZ_INCLUDES) \
	  -emit-module -emit-module-path $(FUZZ_BUILD)/DNN.swiftmodule -c $(DNN_SOURCES) -o $@

.SECONDEXPANSION:
$(FUZZ_BUILD)/%-fuzzer: $$(FUZZ_SOURCE_$$*) Fuzz/Targets/FuzzSupport.swift $(FUZZ_BUILD)/DNN.o $(FUZZ_BUILD)/CBFloat16.o
	swiftc -parse-as-library -module-name $*_fuzzer $(FUZZ_FLAGS) -I $(FUZZ_BUILD) $(FUZZ_INCLUDES) \
	  $(FUZZ_SOURCE_$*) Fuzz/Targets/FuzzSupport.swift $(FUZZ_BUILD)/DNN.o $(FUZZ_BUILD)/CBFloat16.o -o $@

fuzz-build: $(foreach target,$(FUZZ_TARGETS),$(FUZZ_BUILD)/$(target)-fuzzer)

fuzz: fuzz-build
	Fuzz/run-fuzzers.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=15

clean:
	rm -rf .build runs
