import type { LifecycleModel } from '@clm/schema';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The active lifecycle model: a single row, replaced as a whole. */
@Entity({ name: 'lifecycle_model' })
export class LifecycleModelRecord {
  @PrimaryColumn('smallint')
  id!: number;

  @Column('jsonb')
  definition!: LifecycleModel;

  @Column('integer')
  version!: number;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('text', { name: 'updated_by', nullable: true })
  updatedBy!: string | null;
}
