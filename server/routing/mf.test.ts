import { describeEmbeddingRouter } from "./embedding-router-cases";
import { isMfModel, predictMf, trainMf } from "./mf";

describeEmbeddingRouter({ name: "mf", train: trainMf, predict: predictMf, is: isMfModel });
