import { describe, expect, it } from "vitest";
import { detectCapabilities, parseNvidiaSmi } from "./agent";

const SMI = "NVIDIA H100 80GB HBM3, 81559, 550.54.15\nNVIDIA H100 80GB HBM3, 81559, 550.54.15\n";
const noGpu = () => {
  throw new Error("nvidia-smi: not found");
};

describe("worker capabilities", () => {
  it("reads GPUs and the driver from nvidia-smi's CSV", () => {
    expect(parseNvidiaSmi(SMI)).toEqual({
      gpus: [
        { name: "NVIDIA H100 80GB HBM3", memoryMb: 81559 },
        { name: "NVIDIA H100 80GB HBM3", memoryMb: 81559 },
      ],
      driver: "550.54.15",
    });
    expect(parseNvidiaSmi("\n")).toEqual({ gpus: [], driver: null });
  });

  it("offers the GPUs where the Python trainers' torch can use CUDA, with torch's CUDA version", () => {
    const caps = detectCapabilities(["head", "lora"], { torch: "2.5.1+cu124", cuda: "12.4" }, () => SMI);
    expect(caps).toMatchObject({
      gpus: [{ memoryMb: 81559 }, { memoryMb: 81559 }],
      cuda: "12.4",
      driver: "550.54.15",
      torch: "2.5.1+cu124",
    });
    expect(caps.gpuNote).toBeNull();
    expect(caps.cpus).toBeGreaterThan(0);
  });

  it("offers no GPU, saying why, where torch cannot use CUDA or is missing", () => {
    const cpuTorch = detectCapabilities(["head", "lora"], { torch: "2.13.0+cpu", cuda: null }, () => SMI);
    expect(cpuTorch).toMatchObject({ gpus: [], cuda: null, driver: "550.54.15" });
    expect(cpuTorch.gpuNote).toMatch(/2 GPU\(s\) found, but KEEL_PYTHON's torch 2\.13\.0\+cpu cannot use CUDA/);
    const none = detectCapabilities(["head"], null, () => SMI);
    expect(none).toMatchObject({ gpus: [], torch: null });
    expect(none.gpuNote).toMatch(/KEEL_PYTHON has no torch/);
    expect(detectCapabilities(["head"], null, noGpu)).toMatchObject({ gpus: [], driver: null, gpuNote: null });
  });
});
