import TandemGGUF
import Testing

@testable import TandemKernels

@Suite struct WeightMatrixTests {
    @Test func fromGGUFTensorIsZeroCopyAndShaped() throws {
        let cols = 64
        let rows = 3
        let values = randomFloats(cols * rows, seed: 5)
        let q = try Quantizer.quantize(values, as: .q8_0)
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        try writer.addTensor(name: "m", type: .q8_0, dims: [cols, rows], bytes: q)
        try writer.addTensor(name: "v", type: .f32, dims: [cols], bytes: values[0..<cols].withUnsafeBytes { Array($0) })
        try writer.addTensor(name: "bad", type: .q2_K, dims: [256], bytes: [UInt8](repeating: 0, count: 84))
        let file = try GGUFFile(bytes: try writer.serialize())
        let m = try WeightMatrix(tensor: try file.tensor(named: "m"))
        #expect(m.rows == rows && m.cols == cols && m.type == .q8_0 && m.name == "m")
        let want = try Quantizer.dequantize(q, as: .q8_0, count: cols * rows)
        var row = [Float](repeating: 0, count: cols)
        m.dequantizeRow(2, into: &row)
        #expect(row == Array(want[(2 * cols)..<(3 * cols)]))
        let v = try WeightMatrix(tensor: try file.tensor(named: "v"))
        #expect(v.rows == 1 && v.cols == cols)
        #expect(throws: KernelError.unsupportedType(.q2_K, tensor: "bad")) {
            try WeightMatrix(tensor: try file.tensor(named: "bad"))
        }
    }
}
