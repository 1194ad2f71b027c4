import { describeEmbeddingRouter } from "./embedding-router-cases";
import { isMlpModel, predictMlp, trainMlp } from "./mlp";

describeEmbeddingRouter({ name: "mlp", train: trainMlp, predict: predictMlp, is: isMlpModel });
