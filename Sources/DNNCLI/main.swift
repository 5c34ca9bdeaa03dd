import DNN
print("dnn")
