/** Generation benchmark page entry on onnxruntime-web's WebGPU build (see page.ts). */
import * as ort from "onnxruntime-web/webgpu";
import { registerBench } from "./page";

registerBench(ort as unknown as Parameters<typeof registerBench>[0]);
