# dnn: build, test and run the example pipelines. `make help` lists the targets.
SWIFT   ?= swift
DNN     := .build/release/dnn
MNIST   := data/mnist
SHARED_MNIST := ../shared/data/mnist
MNIST_URL ?= https://ossci-datasets.s3.amazonaws.com/mnist
MNIST_FILES := train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz

.PHONY: help build test demo mnist mnist-data gradcheck bench compare clean

help:
	@echo "make demo        train the iris demo and evaluate its best checkpoint"
	@echo "make test        build and run every test (what CI runs)"
	@echo "make mnist       get MNIST (../shared/data/mnist or a download) and train configs/mnist_mlp.json"
	@echo "make gradcheck   gradient-check the example configs in double precision"
	@echo "make bench       dnn bench: GEMM GFLOP/s, training and inference samples/s"
	@echo "make compare     dnn against PyTorch and NumPy side by side (needs torch; not CI)"
	@echo "make build       release build of .build/release/dnn"

build:
	$(SWIFT) build -c release --product dnn

test:
	$(SWIFT) build -c release --product dnn
	$(SWIFT) test -c release -Xswiftc -enable-testing

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

gradcheck: build
	$(DNN) gradcheck configs/two_layer.json
	$(DNN) gradcheck configs/iris.json

bench: build
	$(DNN) bench

# Side by side with PyTorch eager and NumPy (pip install torch numpy); the MNIST files
# add the peak-memory comparison of a full mnist_cnn training run.
compare: build mnist-data
	python3 tools/compare_bench.py

clean:
	rm -rf .build runs
