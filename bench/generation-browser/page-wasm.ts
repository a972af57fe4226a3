/** Generation benchmark page entry on onnxruntime-web's WASM build (see page.ts). */
import * as ort from "onnxruntime-web/wasm";
import { registerBench } from "./page";

registerBench(ort as unknown as Parameters<typeof registerBench>[0]);
