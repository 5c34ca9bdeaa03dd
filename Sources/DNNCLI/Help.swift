import DNN

/// The usage texts of `dnn --help` and `dnn help COMMAND`.
enum Help {
    static let commands = ["train", "eval", "gradcheck", "inspect", "predict", "sample", "export", "convert", "plot", "bench",
                           "help"]

    static func text(for command: String) -> String? {
        switch command {
        case "train": train
        case "eval": eval
        case "gradcheck": gradcheck
        case "bench": bench
        case "inspect": inspect
        case "predict": predict
        case "plot": plot
        case "export": export
        case "convert": convert
        case "sample": sample
        case "help": overview
        default: nil
        }
    }

    static let overview = """
    dnn \(DNNVersion.current): train, evaluate and gradient-check neural networks described in JSON.

    USAGE
      dnn train CONFIG.json [options]     train; writes metrics and checkpoints into a run directory
      dnn eval CHECKPOINT [options]       loss, accuracy and confusion matrix of a checkpoint
      dnn gradcheck CONFIG.json [options] numeric against analytic gradients, in double precision
      dnn inspect CONFIG|CHECKPOINT       the layers: output shapes, parameters, FLOPs, memory
      dnn predict CHECKPOINT DATA         one CSV row per sample: the predicted class or values
      dnn sample CHECKPOINT [options]     text from a byte-level language model
      dnn export CHECKPOINT [-o FILE]     the network as an ONNX model, for onnxruntime and others
      dnn convert CONFIG -o FILE.npz      a split of the config's data as NumPy arrays
      dnn plot RUN_DIR... [-o FILE.svg]   loss and accuracy curves as SVG
      dnn bench [options]                 GEMM GFLOP/s, training and inference samples/s
      dnn help COMMAND                    the options of one command
      dnn --version

    EXIT CODES
      0 success; 1 training failed (loss NaN/Inf) or a gradient check failed;
      2 bad usage, config, data or checkpoint.
    """

    static let train = """
    USAGE: dnn train CONFIG.json [options]
           dnn train --resume RUN/last.safetensors [options]   (the run's own config)

    Trains the network of CONFIG.json and writes into the run directory: config.json (the
    resolved config), metrics.jsonl (one row per epoch), last.safetensors (with
    last.state.safetensors for --resume) and best.safetensors (best validation accuracy).

    OPTIONS
      --out DIR            run directory (default: a new folder runs/NAME-DATE-TIME);
                           a directory that holds checkpoints needs --resume or --force
      --epochs N           total number of epochs (overrides solver.epochs)
      --seed N             random seed (overrides seed): initial weights, shuffling, dropout
      --resume CHECKPOINT  continue that run up to the total number of epochs: weights,
                           optimizer state, learning rate and random state; the result is
                           bit-identical to an uninterrupted run with the same --threads
      --threads N          threads for the kernels (default: all cores)
      --set PATH=VALUE     override a config value by dotted path; repeatable, e.g.
                           --set solver.optimizer.lr=0.01 --set model.layers.3.p=0.3
      --precision P        fp32 or bf16: the same as --set solver.precision=P (bf16: linear
                           and conv products take bfloat16 operands, as PyTorch's autocast)
      --force              replace the checkpoints of an existing --out directory
      --quiet              print nothing but errors
    """

    static let eval = """
    USAGE: dnn eval CHECKPOINT [--data CSV | --data IMAGES --labels LABELS] [--json]

    Loss, accuracy, per-class accuracy and confusion matrix of a checkpoint; for a
    regression checkpoint (loss mse, l1 or huber) the loss, MAE, RMSE and R² in the
    targets' original units. Without --data: the test set of the checkpoint's config, else
    its validation set. The checkpoint's classes and normalisation apply to the data.

    OPTIONS
      --data FILE          a CSV file (with the training label column), IDX images, an
                           .npz (arrays x and y, else those the checkpoint trained on)
                           or an .npy of samples
      --labels FILE        IDX labels, with IDX images in --data; an .npy of labels,
                           with an .npy in --data
      --label COLUMN       the label column of a CSV (default: the config's; regression:
                           the target columns, comma-separated)
      --threads N          threads for the kernels (default: all cores)
      --precision P        fp32 (default) or bf16: linear and conv products take bfloat16
                           operands with float32 sums (PyTorch's CPU autocast); fp32 with
                           a note on a CPU without AVX512_BF16
      --json               print one JSON object: loss, accuracy, samples, classes,
                           per_class_accuracy, confusion
    """

    static let gradcheck = """
    USAGE: dnn gradcheck CONFIG.json [--reg R[,R...]] [--json]

    Builds the config's network in double precision on a small random batch and compares
    the analytic gradient of every parameter with central differences (h = 1e-5):
    relative error ‖a - n‖ / (‖a‖ + ‖n‖) over all entries of small tensors and a seeded
    sample of large ones. Dropout masks are held fixed; batchnorm runs in training mode.
    An entry whose ±h moves a ReLU or max-pool input across its kink is skipped (and
    counted), since a central difference there means nothing.
    Exit code 1 when any error is 1e-6 or more.

    OPTIONS
      --reg R[,R...]       values of the L2 term 0.5 * reg * sum(W^2) (default 0,3.14)
      --batch N            samples in the random batch (default 4)
      --entries N          entries checked per tensor at most (default 40)
      --seed N             seed of the network and the batch (default: the config's)
      --set PATH=VALUE     override a config value (repeatable)
      --threads N          threads for the kernels (default 1)
      --json               print one JSON object: initial_loss, expected_loss, checks
      --perturb NAME       multiply the analytic gradient of parameter NAME by 1.001, to see
                           the checker fail as it would on a wrong backward pass
    """

    static let bench = """
    USAGE: dnn bench [--threads N] [--seconds S] [--only gemm,train,infer,augment] [--models NAMES]
                     [--layers] [--precision fp32|bf16|both] [--json]

    Times, on this machine: matrix products (GFLOP/s) at square sizes and at the shapes of
    the MNIST MLP and CNN, and training and inference throughput (samples/s) of
    configs/mnist_mlp.json and configs/mnist_cnn.json on random data of MNIST's shape. Each
    row is the fastest of about --seconds of repeats. `make compare` puts PyTorch and
    NumPy beside it.

    OPTIONS
      --threads N          threads (default: all cores)
      --seconds S          time per row (default 1)
      --only LIST          which workloads: gemm, train, infer (default: these three), augment, sequence (lstm/gru)
      --models NAMES       configs to time, by name in --configs (default mnist_mlp,mnist_cnn)
      --configs DIR        where the configs are (default configs)
      --layers             milliseconds per training step in each layer's forward and backward
      --precision P        products in fp32 (default), bf16, or both: each row in fp32 and then
                           in bf16, then a line "NAME bf16/fp32 0.74x": bf16's rate over fp32's
      --json               one JSON object: {"results": [{"kind", "name", "value", "unit", "threads", "precision"}],
                           "ratios": [{"kind", "name", "bf16_over_fp32", "threads"}]} (ratios with --precision both)
    """

    static let inspect = """
    USAGE: dnn inspect CONFIG.json|CHECKPOINT.safetensors [--json] [--set PATH=VALUE]

    A table of the model's layers, like Keras' summary() or torchinfo: each layer's output
    shape per sample, trainable parameters, forward FLOPs per sample (a multiply-add is 2)
    and activation memory (Float32), with totals. Residual blocks list their body and
    shortcut layers indented, by checkpoint name. For a checkpoint also its epoch,
    metrics, classes and normalisation. The input shape comes from model.input_shape, or
    else from the training data.
    """

    static let predict = """
    USAGE: dnn predict CHECKPOINT DATA [--probabilities] [--labels LABELS] [--label COLUMN]
                       [--threads N] [--precision fp32|bf16]

    Prints CSV on stdout, one row per sample in file order: `index,predicted`, then
    `label` when the data has labels, then with --probabilities one column `p_CLASS` per
    class. DATA is a CSV file (its label column, named as in training or by --label, is
    used when present and not required), IDX images, raw or gzip (labels from
    --labels), or NumPy arrays: an .npy of samples, or an .npz whose array x (else the
    array the checkpoint was trained on) holds them. The checkpoint's classes and normalisation apply. A regression checkpoint
    prints `index,TARGET...`: the predicted values in the targets' original units (target
    columns in the data are left out of the features).

    EXAMPLE
      dnn predict runs/demo/best.safetensors data/iris.csv | awk -F, 'NR>1 && $2!=$3'
    """

    static let convert = """
    USAGE: dnn convert CONFIG.json -o FILE.npz [--split train|validation|test] [--set PATH=VALUE]

    Writes one split of the config's data (default: train) as a NumPy .npz archive, its
    rows exactly as training reads them: split, reshaped to model.input_shape and with
    classes numbered, but before normalize. Members: x (uint8 for images whose values are
    all bytes, else float32; shape (N, *sample shape)), y (int64 class indices, or float32
    targets), classes (the class names) and, for flat samples, features (their names).
    Training on {"format": "npz", "path": FILE} with the same seed gives the same
    metrics.jsonl as training on the source. The archive is built whole before it is
    written, then renamed over FILE: a refused conversion leaves an existing FILE as it
    was; a data file of the config itself is never overwritten.

    EXAMPLE
      dnn convert configs/iris.json -o iris_train.npz
      dnn convert configs/iris.json -o iris_val.npz --split validation
    """

    static let sample = """
    USAGE: dnn sample CHECKPOINT [--prompt TEXT] [--tokens N] [--temperature X] [--top-k K]
                      [--seed S] [--threads N]

    Generates text from a checkpoint trained on a text source (bytes, 256 values): prints
    the prompt, then N bytes (default 256) drawn one at a time from the model's softmax
    over the next byte, divided by the temperature (default 1.0; lower is more
    conservative) and cut to the K most likely bytes (default: all). The model sees the
    latest T bytes (its context). An empty prompt (the default) starts from a newline.
    The same seed (default 0) prints the same text.

    EXAMPLE
      dnn sample runs/gpt_tiny/best.safetensors --prompt "public func " --tokens 200 --top-k 10
    """

    static let export = """
    USAGE: dnn export CHECKPOINT [-o FILE.onnx] [--opset N]

    Writes the checkpoint's network as an ONNX model, in inference form: batchnorm with
    its running statistics, dropout removed, and the checkpoint's input normalisation
    (x/255 or the standardisation) as the first nodes, so the model takes the raw
    features that dnn predict reads. Input `input`: float32 [batch, *sample shape].
    Outputs `logits` and `probabilities` (softmax over the classes). Metadata:
    `classes` (a JSON list) and `dnn_config` (the resolved config). docs/onnx.md
    lists the operator of each layer.

    OPTIONS
      -o, --output FILE    the model file (default: CHECKPOINT with .onnx for
                           .safetensors); written atomically, never half-written
      --opset N            the ONNX opset, \(ONNXExport.supportedOpsets.lowerBound) to \(ONNXExport.supportedOpsets.upperBound) (default \(ONNXExport.defaultOpset))

    EXAMPLE
      dnn export runs/demo/best.safetensors -o iris.onnx
      python3 tools/check_onnx.py runs/demo/best.safetensors data/iris.csv
    """

    static let plot = """
    USAGE: dnn plot RUN_DIR... [-o FILE.svg] [--title TEXT]

    Draws loss (left) and accuracy (right) per epoch from each run's metrics.jsonl:
    training solid, validation dashed, one colour per run, the best validation epoch
    (best.safetensors) circled. Several runs overlay. Writes RUN_DIR/metrics.svg for one
    run, plot.svg for several, or FILE.svg; prints the path.
    """
}

